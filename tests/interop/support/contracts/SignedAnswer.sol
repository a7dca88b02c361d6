// SPDX-License-Identifier: MIT
// Checks a CCIP-Read gateway answer the way ENS OffchainResolver does (wire formats §12.5, raw-digest variant):
// response = abi.encode(bytes result, uint64 expires, bytes signature), signature over
// keccak256(0x1900 ‖ target ‖ expires ‖ keccak256(request) ‖ keccak256(result)). Shared by the test resolvers.
pragma solidity ^0.8.20;

library SignedAnswer {
    function verify(bytes memory response, bytes memory request, address target, address signer) internal view returns (bytes memory) {
        (bytes memory result, uint64 expires, bytes memory sig) = abi.decode(response, (bytes, uint64, bytes));
        require(expires >= block.timestamp, "expired");
        bytes32 digest = keccak256(abi.encodePacked(hex"1900", target, expires, keccak256(request), keccak256(result)));
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
        return result;
    }
}
