# The snapshot loader (binary and text protobuf, then validation) on arbitrary bytes.
# Guarded: tests/ may be configured before dataplane/agent is part of the build.
if(TARGET anymesh_agent)
  anymesh_fuzz_target(anymesh_fuzz_snapshot ${CMAKE_CURRENT_LIST_DIR}/snapshot_fuzz.cc anymesh_agent)
endif()
