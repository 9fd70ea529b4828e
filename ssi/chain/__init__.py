"""The chain client: EIP-712 typed data, deploying and driving the contracts, the local chain's
mock assets and custodian wallet, and the gas report."""
