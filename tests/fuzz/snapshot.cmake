# The snapshot loader (binary and text protobuf, then validation) on arbitrary bytes.
anymesh_fuzz_target(anymesh_fuzz_snapshot ${CMAKE_CURRENT_LIST_DIR}/snapshot_fuzz.cc anymesh_agent)
