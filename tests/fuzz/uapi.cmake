# UAPI set-request parser on arbitrary bytes.
anymesh_fuzz_target(anymesh_fuzz_uapi ${CMAKE_CURRENT_LIST_DIR}/uapi_fuzz.cc anymesh_wireguard)
