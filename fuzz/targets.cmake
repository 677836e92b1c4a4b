# The upstream protocol parsers' fuzz targets (included by fuzz/CMakeLists.txt, which defines
# weir_add_fuzzer). Each treats every byte from the proxy as hostile.
weir_add_fuzzer(fuzz_socks5 fuzz_socks5.cpp weir_upstream)
weir_add_fuzzer(fuzz_socks5_udp fuzz_socks5_udp.cpp weir_upstream)
weir_add_fuzzer(fuzz_http_connect fuzz_http_connect.cpp weir_upstream)
# The host sniffer (TLS ClientHello SNI, HTTP Host): every byte from the client is hostile.
weir_add_fuzzer(fuzz_sniff fuzz_sniff.cpp weir_sniff)
