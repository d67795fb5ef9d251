// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @notice ERC-5192: minimal soulbound NFTs (interface id 0xb45a3c0e).
interface IERC5192 {
    event Locked(uint256 tokenId);
    event Unlocked(uint256 tokenId);

    function locked(uint256 tokenId) external view returns (bool);
}

/// @title CreditCertificateToken: one locked ERC-721 per issued credit certificate.
/// @notice Tokens are soulbound (ERC-5192, always locked): every transfer and approval
/// reverts; only the owner (the platform) mints. Revocation *marks* a token instead of
/// burning it, so a verifier can tell "revoked" (token exists, `revoked` is true) from
/// "never issued" (`ownerOf` reverts). The token URI is derived on chain from the
/// credential hash, `urn:credential:sha256:<64 lowercase hex>`, so it cannot disagree
/// with `credentialHash(tokenId)`.
contract CreditCertificateToken is ERC721, Ownable, IERC5192 {
    struct Certificate {
        bytes32 credentialHash;
        uint64 mintedAtBlock; // lets a client find the mint transaction without a log scan
        uint64 revokedAtBlock; // 0: not revoked
    }

    mapping(uint256 tokenId => Certificate) private _certificates;

    event Revoked(uint256 indexed tokenId);

    /// @notice Certificate tokens never move and cannot be approved for moving.
    error Soulbound(uint256 tokenId);
    error ZeroCredentialHash();
    /// @notice The id was minted before (revoked tokens stay, so an id is never reused).
    error AlreadyMinted(uint256 tokenId);

    constructor(address initialOwner)
        ERC721("Credit Certificate", "CCERT")
        Ownable(initialOwner)
    {}

    /// @notice Mint the token of one certificate to `to` (the enterprise or a custody address).
    function mint(address to, uint256 tokenId, bytes32 credentialHash_) external onlyOwner {
        if (credentialHash_ == bytes32(0)) revert ZeroCredentialHash();
        if (_ownerOf(tokenId) != address(0)) revert AlreadyMinted(tokenId);
        _certificates[tokenId] = Certificate({
            credentialHash: credentialHash_,
            mintedAtBlock: uint64(block.number),
            revokedAtBlock: 0
        });
        _mint(to, tokenId);
        emit Locked(tokenId);
    }

    /// @notice Mark a certificate's token revoked; revoking it again is a no-op.
    /// @return changed true when marked now, false when it was already revoked.
    function revoke(uint256 tokenId) external onlyOwner returns (bool changed) {
        _requireOwned(tokenId);
        Certificate storage cert = _certificates[tokenId];
        if (cert.revokedAtBlock != 0) return false;
        cert.revokedAtBlock = uint64(block.number);
        emit Revoked(tokenId);
        return true;
    }

    function revoked(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return _certificates[tokenId].revokedAtBlock != 0;
    }

    /// @notice Everything stored about one certificate token (revokedAtBlock 0: not revoked).
    function certificate(uint256 tokenId) external view returns (Certificate memory) {
        _requireOwned(tokenId);
        return _certificates[tokenId];
    }

    function credentialHash(uint256 tokenId) external view returns (bytes32) {
        _requireOwned(tokenId);
        return _certificates[tokenId].credentialHash;
    }

    /// @inheritdoc IERC5192
    function locked(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return true;
    }

    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return string.concat("urn:credential:sha256:", _hex(_certificates[tokenId].credentialHash));
    }

    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IERC5192).interfaceId || super.supportsInterface(interfaceId);
    }

    function approve(address, uint256 tokenId) public pure override {
        revert Soulbound(tokenId);
    }

    function setApprovalForAll(address, bool) public pure override {
        revert Soulbound(0);
    }

    /// @dev Every balance change passes here: allow mint (from 0) and burn (to 0), refuse moves.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        address from = _ownerOf(tokenId);
        if (from != address(0) && to != address(0)) revert Soulbound(tokenId);
        return super._update(to, tokenId, auth);
    }

    /// @dev Lowercase hex without a 0x prefix, as the ledger writes every hash.
    function _hex(bytes32 value) private pure returns (string memory) {
        bytes16 digits = "0123456789abcdef";
        bytes memory out = new bytes(64);
        for (uint256 i = 0; i < 32; ++i) {
            uint8 b = uint8(value[i]);
            out[2 * i] = digits[b >> 4];
            out[2 * i + 1] = digits[b & 0x0f];
        }
        return string(out);
    }
}
