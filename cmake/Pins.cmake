# Where scripts/bootstrap caches third-party artifacts, and the versions pinned in deps/pins.txt.
if(DEFINED ENV{LAKEHOUSE_CACHE})
  set(LAKEHOUSE_CACHE_DIR "$ENV{LAKEHOUSE_CACHE}")
else()
  set(LAKEHOUSE_CACHE_DIR "$ENV{HOME}/.cache/lakehouse")
endif()

# lakehouse_pin_version(KIND NAME OUT_VAR): the version deps/pins.txt pins for NAME of KIND.
function(lakehouse_pin_version kind name out_var)
  file(STRINGS ${PROJECT_SOURCE_DIR}/deps/pins.txt _pin REGEX "^${kind} +${name} ")
  string(REGEX REPLACE "^${kind} +${name} +([^ ]+) .*" "\\1" _version "${_pin}")
  if(_version STREQUAL "")
    message(FATAL_ERROR "deps/pins.txt pins no ${kind} ${name}")
  endif()
  set(${out_var} "${_version}" PARENT_SCOPE)
endfunction()
