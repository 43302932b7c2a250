# UAPI set-request parser on arbitrary bytes (anymesh_uapi_dev until uapi.cc joins anymesh_wireguard).
anymesh_fuzz_target(anymesh_fuzz_uapi ${CMAKE_CURRENT_LIST_DIR}/uapi_fuzz.cc anymesh_uapi_dev)
