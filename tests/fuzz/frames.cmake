# The gateway's outer-port dispatch and inner-frame parsing on arbitrary frames.
if(TARGET anymesh_pipeline)
  anymesh_fuzz_target(anymesh_fuzz_frames ${CMAKE_CURRENT_SOURCE_DIR}/frames_fuzz.cc anymesh_pipeline)
endif()
