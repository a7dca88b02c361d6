// SPDX-License-Identifier: MIT
// A test-only ENSIP-10 resolver that asks its clients for a *client-side batch gateway* (ENSIP-21): its OffchainLookup
// names the single URL "x-batch-gateway:true" and carries IBatchGateway.query([(this, [gateway], resolve-calldata)]).
// A client such as viem answers the batch locally by calling `gateway` itself; the callback then checks the inner
// answer like OffchainResolver does (raw digest keccak256(0x1900 ‖ this ‖ expires ‖ keccak256(request) ‖ keccak256(result))).
pragma solidity ^0.8.20;

import "./SignedAnswer.sol";

contract TestBatchResolver {
    error OffchainLookup(address sender, string[] urls, bytes callData, bytes4 callbackFunction, bytes extraData);

    struct Query {
        address sender;
        string[] urls;
        bytes data;
    }

    string private _gateway;
    address public immutable signer;

    constructor(string memory gateway_, address signer_) {
        _gateway = gateway_;
        signer = signer_;
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == 0x9061b923 || id == 0x01ffc9a7;
    }

    function resolve(bytes calldata name, bytes calldata data) external view returns (bytes memory) {
        bytes memory callData = abi.encodeWithSelector(0x9061b923, name, data);
        string[] memory urls = new string[](1);
        urls[0] = _gateway;
        Query[] memory queries = new Query[](1);
        queries[0] = Query(address(this), urls, callData);
        string[] memory batch = new string[](1);
        batch[0] = "x-batch-gateway:true";
        bytes memory query = abi.encodeWithSelector(bytes4(keccak256("query((address,string[],bytes)[])")), queries);
        revert OffchainLookup(address(this), batch, query, this.resolveBatch.selector, callData);
    }

    function resolveBatch(bytes calldata response, bytes calldata callData) external view returns (bytes memory) {
        (bool[] memory failures, bytes[] memory responses) = abi.decode(response, (bool[], bytes[]));
        require(failures.length == 1 && !failures[0], "gateway failed");
        return SignedAnswer.verify(responses[0], callData, address(this), signer);
    }
}
