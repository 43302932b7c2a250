# Probe decoders (payload, IPv4/UDP wrapper, responder, echo intake) and the lane health state
# machine driven by arbitrary event scripts.
anymesh_fuzz_target(anymesh_fuzz_probe ${CMAKE_CURRENT_LIST_DIR}/probe_fuzz.cc anymesh_probe)
