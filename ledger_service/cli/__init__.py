"""The `ledger` command and the end-to-end demo."""
