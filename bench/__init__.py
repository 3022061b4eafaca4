"""Benchmarks: the 활동내역 page, the linkage pipeline and the server, each beside its limit (make bench)."""
