# Fuzz harness for the packet decoders: parse_flow (Ethernet and raw IP) and every header view.
anymesh_fuzz_target(packet_fuzz ${CMAKE_CURRENT_LIST_DIR}/packet_fuzz.cc anymesh_packet)
