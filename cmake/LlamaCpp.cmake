# llama.cpp: the shared libraries and headers that scripts/bootstrap built from the
# llama-cpp-python source distribution pinned in deps/pins.txt, and the models it placed beside them.
lakehouse_pin_version(sdist llama-cpp-python LAKEHOUSE_LLAMA_VERSION)
set(LAKEHOUSE_LLAMA_HOME "${LAKEHOUSE_CACHE_DIR}/llama.cpp-${LAKEHOUSE_LLAMA_VERSION}" CACHE PATH "llama.cpp built by scripts/bootstrap")
set(LAKEHOUSE_MODELS_DIR "${LAKEHOUSE_CACHE_DIR}/models" CACHE PATH "GGUF models placed by scripts/bootstrap")
if(NOT EXISTS "${LAKEHOUSE_LLAMA_HOME}/lib/libllama.so" OR NOT EXISTS "${LAKEHOUSE_LLAMA_HOME}/include/llama.h")
  message(FATAL_ERROR "llama.cpp (llama-cpp-python ${LAKEHOUSE_LLAMA_VERSION}) is not in ${LAKEHOUSE_LLAMA_HOME}. Run scripts/bootstrap first.")
endif()
add_library(llama SHARED IMPORTED GLOBAL)
set_target_properties(llama PROPERTIES
  IMPORTED_LOCATION "${LAKEHOUSE_LLAMA_HOME}/lib/libllama.so"
  INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${LAKEHOUSE_LLAMA_HOME}/include"
  INTERFACE_INCLUDE_DIRECTORIES "${LAKEHOUSE_LLAMA_HOME}/include")
add_library(ggml SHARED IMPORTED GLOBAL)
set_target_properties(ggml PROPERTIES IMPORTED_LOCATION "${LAKEHOUSE_LLAMA_HOME}/lib/libggml.so")
add_library(ggml-base SHARED IMPORTED GLOBAL)
set_target_properties(ggml-base PROPERTIES IMPORTED_LOCATION "${LAKEHOUSE_LLAMA_HOME}/lib/libggml-base.so")
set_property(TARGET llama PROPERTY INTERFACE_LINK_LIBRARIES ggml ggml-base)
list(APPEND CMAKE_BUILD_RPATH "${LAKEHOUSE_LLAMA_HOME}/lib")
list(APPEND CMAKE_INSTALL_RPATH "${LAKEHOUSE_LLAMA_HOME}/lib")
