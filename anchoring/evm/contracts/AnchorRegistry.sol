// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title AnchorRegistry: the EVM second anchor of the credit evidence ledger.
/// @notice Holds, per ledger, the hash chain of batch headers with the same rules as
/// the Fabric chaincode: only the next sequence is accepted, its previous-header hash
/// must equal the stored hash of the sequence before it, the identical header again
/// is a no-op (so an unknown-outcome retry is always safe), and a different header
/// at a sequence that is already taken reverts with `Fork`.
/// @dev The Ed25519 header signature cannot be checked cheaply on EVM, so authority is
/// a submitter list kept by the owner. Off chain, a ledger id string maps to
/// `ledgerId = sha256(utf8(ledger_id))`; all hashes are the ledger's SHA-256 values.
contract AnchorRegistry is Ownable {
    /// @notice One anchored batch header. A zero `headerHash` means "nothing stored".
    struct Batch {
        bytes32 headerHash;
        bytes32 merkleRoot;
        uint64 size;
        uint64 blockNumber;
        uint64 timestamp;
    }

    mapping(bytes32 ledgerId => mapping(uint64 seq => Batch)) private _batches;
    /// @dev Number of batches anchored per ledger, which is also the next sequence.
    mapping(bytes32 ledgerId => uint64) private _count;
    mapping(address account => bool) private _submitters;

    event BatchAnchored(
        bytes32 indexed ledgerId,
        uint64 indexed seq,
        bytes32 headerHash,
        bytes32 prevHeaderHash,
        bytes32 merkleRoot,
        uint64 size,
        address submitter
    );
    event SubmitterSet(address indexed account, bool allowed);

    /// @notice The caller is not an authorized submitter.
    error Unauthorized(address caller);
    /// @notice `seq` is beyond the next sequence the ledger expects.
    error Gap(bytes32 ledgerId, uint64 expectedSeq, uint64 givenSeq);
    /// @notice A different header is already stored at `seq`.
    error Fork(bytes32 ledgerId, uint64 seq, bytes32 storedHeaderHash, bytes32 givenHeaderHash);
    /// @notice The header does not chain onto the stored header of `seq - 1`.
    error PrevHashMismatch(bytes32 ledgerId, uint64 seq, bytes32 expectedPrev, bytes32 givenPrev);
    /// @notice A zero header hash would be indistinguishable from "nothing stored".
    error ZeroHeaderHash();

    constructor(address initialOwner) Ownable(initialOwner) {
        _submitters[initialOwner] = true;
        emit SubmitterSet(initialOwner, true);
    }

    modifier onlySubmitter() {
        if (!_submitters[msg.sender]) revert Unauthorized(msg.sender);
        _;
    }

    /// @notice Grant or withdraw the right to anchor.
    function setSubmitter(address account, bool allowed) external onlyOwner {
        _submitters[account] = allowed;
        emit SubmitterSet(account, allowed);
    }

    function isSubmitter(address account) external view returns (bool) {
        return _submitters[account];
    }

    /// @notice Anchor header `seq` of `ledgerId`.
    /// @return created true when stored now; false when the identical header was
    /// already stored (no state change, no event).
    function anchor(
        bytes32 ledgerId,
        uint64 seq,
        bytes32 headerHash,
        bytes32 prevHeaderHash,
        bytes32 merkleRoot,
        uint64 size
    ) external onlySubmitter returns (bool created) {
        if (headerHash == bytes32(0)) revert ZeroHeaderHash();
        uint64 next = _count[ledgerId];
        if (seq < next) {
            Batch storage stored = _batches[ledgerId][seq];
            bytes32 expectedPrev = seq == 0 ? bytes32(0) : _batches[ledgerId][seq - 1].headerHash;
            if (
                stored.headerHash == headerHash && stored.merkleRoot == merkleRoot
                    && stored.size == size && expectedPrev == prevHeaderHash
            ) {
                return false;
            }
            revert Fork(ledgerId, seq, stored.headerHash, headerHash);
        }
        if (seq > next) revert Gap(ledgerId, next, seq);
        bytes32 prev = seq == 0 ? bytes32(0) : _batches[ledgerId][seq - 1].headerHash;
        if (prev != prevHeaderHash) revert PrevHashMismatch(ledgerId, seq, prev, prevHeaderHash);

        _batches[ledgerId][seq] = Batch({
            headerHash: headerHash,
            merkleRoot: merkleRoot,
            size: size,
            blockNumber: uint64(block.number),
            timestamp: uint64(block.timestamp)
        });
        _count[ledgerId] = next + 1;
        emit BatchAnchored(ledgerId, seq, headerHash, prevHeaderHash, merkleRoot, size, msg.sender);
        return true;
    }

    /// @notice The latest anchored header of a ledger.
    /// @return anchored false when nothing was anchored yet (then seq and headerHash are 0).
    function head(bytes32 ledgerId)
        external
        view
        returns (bool anchored, uint64 seq, bytes32 headerHash)
    {
        uint64 count = _count[ledgerId];
        if (count == 0) return (false, 0, bytes32(0));
        return (true, count - 1, _batches[ledgerId][count - 1].headerHash);
    }

    /// @notice The batch stored at `seq`; all zero when none is stored.
    function getBatch(bytes32 ledgerId, uint64 seq) external view returns (Batch memory) {
        return _batches[ledgerId][seq];
    }
}
