# nanoarrow: the Arrow C data interface helpers and the Arrow IPC stream writer/reader, compiled
# from the C sources scripts/bootstrap unpacked from the nanoarrow PyPI sdist pinned in
# deps/pins.txt (with the flatcc runtime it vendors, which the IPC code needs). Symbols get a
# "Lakehouse" prefix (NANOARROW_NAMESPACE) so they cannot clash with another copy in a library.
lakehouse_pin_version(sdist nanoarrow LAKEHOUSE_NANOARROW_VERSION)
set(LAKEHOUSE_NANOARROW_HOME "${LAKEHOUSE_CACHE_DIR}/nanoarrow-${LAKEHOUSE_NANOARROW_VERSION}"
    CACHE PATH "nanoarrow sources unpacked by scripts/bootstrap")
if(NOT EXISTS "${LAKEHOUSE_NANOARROW_HOME}/nanoarrow/nanoarrow_ipc.h")
  message(FATAL_ERROR "nanoarrow ${LAKEHOUSE_NANOARROW_VERSION} is not in ${LAKEHOUSE_NANOARROW_HOME}. Run scripts/bootstrap first.")
endif()
enable_language(C)

string(REPLACE "." ";" _nanoarrow_parts "${LAKEHOUSE_NANOARROW_VERSION}")
list(GET _nanoarrow_parts 0 NANOARROW_VERSION_MAJOR)
list(GET _nanoarrow_parts 1 NANOARROW_VERSION_MINOR)
list(GET _nanoarrow_parts 2 NANOARROW_VERSION_PATCH)
set(NANOARROW_VERSION "${LAKEHOUSE_NANOARROW_VERSION}")
set(NANOARROW_NAMESPACE_DEFINE "#define NANOARROW_NAMESPACE Lakehouse")
configure_file("${LAKEHOUSE_NANOARROW_HOME}/nanoarrow/nanoarrow_config.h.in"
               "${CMAKE_BINARY_DIR}/nanoarrow-config/nanoarrow/nanoarrow_config.h" @ONLY)

set(_na "${LAKEHOUSE_NANOARROW_HOME}/nanoarrow")
set(_fc "${LAKEHOUSE_NANOARROW_HOME}/flatcc")
add_library(lakehouse_nanoarrow STATIC
  ${_na}/common/array.c ${_na}/common/schema.c ${_na}/common/array_stream.c ${_na}/common/utils.c
  ${_na}/ipc/codecs.c ${_na}/ipc/decoder.c ${_na}/ipc/encoder.c ${_na}/ipc/reader.c ${_na}/ipc/writer.c
  ${_fc}/runtime/builder.c ${_fc}/runtime/emitter.c ${_fc}/runtime/verifier.c ${_fc}/runtime/refmap.c)
# Third-party code: the project's warnings-as-errors do not apply; its headers are system headers.
target_include_directories(lakehouse_nanoarrow SYSTEM PUBLIC
  "${CMAKE_BINARY_DIR}/nanoarrow-config" "${LAKEHOUSE_NANOARROW_HOME}" "${_fc}/include")
set_target_properties(lakehouse_nanoarrow PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)
target_compile_options(lakehouse_nanoarrow PRIVATE -w)
add_library(nanoarrow::nanoarrow ALIAS lakehouse_nanoarrow)
