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
    # cmake/hot_layout.ld groups the code a check runs (scripts/gen-hot-layout.py says why).
    target_link_options(${name} PRIVATE -static -Wl,--gc-sections
      "-Wl,-T,${PROJECT_SOURCE_DIR}/cmake/hot_layout.ld")
    set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${PROJECT_SOURCE_DIR}/cmake/hot_layout.ld")
    if(NOSHELL_STRIP)
      target_link_options(${name} PRIVATE -s)
    endif()
    target_compile_options(${name} PRIVATE -ffunction-sections -fdata-sections)
  endif()
endfunction()
