// SPDX-License-Identifier: MIT
// A test-only ENSIP-10 wildcard resolver with EIP-3668 lookups, for the resolution tests (ens-resolve.test.mjs).
// Unlike OffchainResolver 0.2.1 it carries several gateway URLs (fail-over order), can ask for nested lookups, and can
// name another contract as the lookup's sender (which a client must refuse). Answers are checked like OffchainResolver's:
// keccak256(0x1900 ‖ this ‖ uint64 expires ‖ keccak256(callData) ‖ keccak256(result)) signed by `signer` (raw digest).
pragma solidity ^0.8.20;

contract TestCcipResolver {
    error OffchainLookup(address sender, string[] urls, bytes callData, bytes4 callbackFunction, bytes extraData);

    string[] private _urls;
    address public immutable signer;
    uint8 public immutable nest;
    address public immutable lookupSender;

    constructor(string[] memory urls_, address signer_, uint8 nest_, address lookupSender_) {
        for (uint256 i = 0; i < urls_.length; i++) _urls.push(urls_[i]);
        signer = signer_;
        nest = nest_;
        lookupSender = lookupSender_ == address(0) ? address(this) : lookupSender_;
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == 0x9061b923 || id == 0x01ffc9a7;
    }

    function resolve(bytes calldata name, bytes calldata data) external view returns (bytes memory) {
        bytes memory callData = abi.encodeWithSelector(0x9061b923, name, data);
        revert OffchainLookup(lookupSender, _urls, callData, this.resolveWithProof.selector, abi.encode(callData, uint8(0)));
    }

    function resolveWithProof(bytes calldata response, bytes calldata extraData) external view returns (bytes memory) {
        (bytes memory callData, uint8 depth) = abi.decode(extraData, (bytes, uint8));
        (bytes memory result, uint64 expires, bytes memory sig) = abi.decode(response, (bytes, uint64, bytes));
        require(expires >= block.timestamp, "expired");
        bytes32 digest = keccak256(abi.encodePacked(hex"1900", address(this), expires, keccak256(callData), keccak256(result)));
        require(sig.length == 65, "bad signature length");
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(sig, 32))
            s := mload(add(sig, 64))
            v := byte(0, mload(add(sig, 96)))
        }
        require(ecrecover(digest, v, r, s) == signer, "bad signature");
        if (depth < nest) {
            revert OffchainLookup(address(this), _urls, callData, this.resolveWithProof.selector, abi.encode(callData, depth + 1));
        }
        return result;
    }
}
