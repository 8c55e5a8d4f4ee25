# Warnings are errors on the project's own code; third-party headers are included as SYSTEM.
function(lakehouse_target_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Werror
    -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wconversion -Wsign-conversion -Wimplicit-fallthrough
    # GCC 12 reports false -Wrestrict positives inside libstdc++'s std::string at -O2/-O3
    # (GCC bug 105329); the warning stays on for other compilers.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
endfunction()

# lakehouse_module(NAME SOURCES... [DEPS ...]) -- one library per module under src/.
function(lakehouse_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(lakehouse_${name} STATIC ${ARG_SOURCES})
  target_include_directories(lakehouse_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(lakehouse_${name} PUBLIC ${ARG_DEPS})
  lakehouse_target_warnings(lakehouse_${name})
  add_library(lakehouse::${name} ALIAS lakehouse_${name})
endfunction()
