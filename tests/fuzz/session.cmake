# Controller session messages on arbitrary bytes: GatewayMessage / ControllerMessage parsing, and the
# gateway's verify + load + apply path on the SignedSnapshot they carry (also re-signed, to reach the loader).
anymesh_fuzz_target(anymesh_fuzz_session ${CMAKE_CURRENT_LIST_DIR}/session_fuzz.cc anymesh_server anymesh_agent)
