"""Who may do what: API keys and rotation, write and read policy, consent, loan ownership,
rate limits."""
