# DuckDB: the prebuilt shared library and C API header that scripts/bootstrap placed in the
# cache. The version is the one pinned in deps/pins.txt.
lakehouse_pin_version(wheel duckdb-extension-parquet LAKEHOUSE_DUCKDB_VERSION)
set(LAKEHOUSE_DUCKDB_HOME "${LAKEHOUSE_CACHE_DIR}/duckdb-${LAKEHOUSE_DUCKDB_VERSION}" CACHE PATH "DuckDB files installed by scripts/bootstrap")
if(NOT EXISTS "${LAKEHOUSE_DUCKDB_HOME}/lib/libduckdb.so" OR NOT EXISTS "${LAKEHOUSE_DUCKDB_HOME}/include/duckdb.h")
  message(FATAL_ERROR "DuckDB ${LAKEHOUSE_DUCKDB_VERSION} is not in ${LAKEHOUSE_DUCKDB_HOME}. Run scripts/bootstrap first.")
endif()
add_library(duckdb SHARED IMPORTED GLOBAL)
set_target_properties(duckdb PROPERTIES
  IMPORTED_LOCATION "${LAKEHOUSE_DUCKDB_HOME}/lib/libduckdb.so"
  INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${LAKEHOUSE_DUCKDB_HOME}/include"
  INTERFACE_INCLUDE_DIRECTORIES "${LAKEHOUSE_DUCKDB_HOME}/include")
set(CMAKE_BUILD_RPATH "${LAKEHOUSE_DUCKDB_HOME}/lib")
set(CMAKE_INSTALL_RPATH "${LAKEHOUSE_DUCKDB_HOME}/lib")
