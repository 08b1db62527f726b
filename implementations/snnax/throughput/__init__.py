"""The Open Neuromorphic throughput benchmark (card P09 §3, PEERS.md §1): protocol, implementations, figure."""
