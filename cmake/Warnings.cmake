# One INTERFACE target carries the warning flags every noshell target builds with.
add_library(noshell_warnings INTERFACE)
target_compile_options(noshell_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Werror -Wno-missing-field-initializers>)

# noshell_add_binary(NAME SOURCES... LIBS...): one shipped program. With NOSHELL_STATIC it is linked
# fully statically and stripped, so it runs in a root that holds nothing but itself.
function(noshell_add_binary name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} noshell_warnings)
  if(NOSHELL_STATIC)
    target_link_options(${name} PRIVATE -static -s -Wl,--gc-sections)
    target_compile_options(${name} PRIVATE -ffunction-sections -fdata-sections)
  endif()
endfunction()
