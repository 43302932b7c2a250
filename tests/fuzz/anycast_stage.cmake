# The anycast stage (header checks, steering, GUE written in place) on arbitrary frames and packets.
if(TARGET anymesh_anycast_stage)
  anymesh_fuzz_target(anymesh_fuzz_anycast_stage ${CMAKE_CURRENT_LIST_DIR}/anycast_stage_fuzz.cc anymesh_anycast_stage)
endif()
