# One INTERFACE target carries the warning flags every noshell target builds with.
add_library(noshell_warnings INTERFACE)
target_compile_options(noshell_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Werror -Wno-missing-field-initializers>
  $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Werror>)

# noshell_add_binary(NAME SOURCES... LIBS...): one shipped program. With NOSHELL_STATIC it is linked
# fully statically and stripped, so it runs in a root that holds nothing but itself.
# The hot-code linker script, generated at build time from the list in cmake/hot_objects.txt.
set(NOSHELL_HOT_LAYOUT_LD "${CMAKE_BINARY_DIR}/hot_layout.ld")
if(NOSHELL_STATIC AND NOSHELL_HOT_LAYOUT)
  add_custom_command(OUTPUT "${NOSHELL_HOT_LAYOUT_LD}"
    COMMAND ${CMAKE_COMMAND} -DIN=${PROJECT_SOURCE_DIR}/cmake/hot_objects.txt -DOUT=${NOSHELL_HOT_LAYOUT_LD}
            -P ${PROJECT_SOURCE_DIR}/cmake/HotLayout.cmake
    DEPENDS "${PROJECT_SOURCE_DIR}/cmake/hot_objects.txt" "${PROJECT_SOURCE_DIR}/cmake/HotLayout.cmake"
            "${PROJECT_SOURCE_DIR}/cmake/HotObjects.cmake"
    COMMENT "Generating hot_layout.ld from cmake/hot_objects.txt")
  add_custom_target(noshell_hot_layout DEPENDS "${NOSHELL_HOT_LAYOUT_LD}")
endif()

function(noshell_add_binary name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} noshell_warnings)
  if(NOSHELL_STATIC)
    target_link_options(${name} PRIVATE -static -Wl,--gc-sections)
    if(NOSHELL_HOT_LAYOUT)
      # Hot code first (cmake/hot_objects.txt says why); the map lets the hot_layout_fresh test
      # see which listed objects were linked.
      target_link_options(${name} PRIVATE "-Wl,-T,${NOSHELL_HOT_LAYOUT_LD}" "-Wl,-Map,${CMAKE_BINARY_DIR}/${name}.map")
      set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${NOSHELL_HOT_LAYOUT_LD}")
      add_dependencies(${name} noshell_hot_layout)
    endif()
    if(NOSHELL_STRIP)
      target_link_options(${name} PRIVATE -s)
    endif()
    target_compile_options(${name} PRIVATE -ffunction-sections -fdata-sections)
  endif()
endfunction()
