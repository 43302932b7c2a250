# The mesh.yaml loader (YAML parse, then every section's validation) on arbitrary text.
anymesh_fuzz_target(anymesh_fuzz_model ${CMAKE_CURRENT_LIST_DIR}/model_fuzz.cc anymesh_model)
