# cmake/HotLayout.cmake — writes the linker script that places hot code first, from the reviewable
# list in cmake/hot_objects.txt (see it for why). Run at build time:
#   cmake -DIN=cmake/hot_objects.txt -DOUT=build/.../hot_layout.ld -P cmake/HotLayout.cmake
cmake_minimum_required(VERSION 3.20)
include("${CMAKE_CURRENT_LIST_DIR}/HotObjects.cmake")
noshell_read_hot_objects("${IN}" entries)
# Every object's static initialisers first: they all run at start-up, and in a binary holding
# several tools (noshell) those of the tools not chosen would otherwise each fault in a page of
# their own.
set(hot_text "    *(.text.startup .text.startup.*)\n")
set(hot_rodata "")
set(hot_data "")
set(hot_bss "")
foreach(entry IN LISTS entries)
  string(REPLACE "|" ";" fields "${entry}")
  list(GET fields 0 section)
  list(GET fields 1 archive)
  list(GET fields 2 object)
  if(archive STREQUAL "-")
    set(patterns "*${object}")
  else()
    set(patterns "*${archive}:${object}")
    # Our own libraries' objects may also be linked as objects, not from the archive (noshell
    # takes healthcheck's that way): libnoshell_X.a's objects are built in noshell_X.dir/.
    if(archive MATCHES "^lib(noshell_.*)\\.a$")
      list(APPEND patterns "*/${CMAKE_MATCH_1}.dir/${object}")
    endif()
  endif()
  foreach(pattern IN LISTS patterns)
    if(section STREQUAL "text")
      string(APPEND hot_text "    ${pattern}(.text .text.*)\n")
      # The variables of the code that runs, together too (a bss page is a fault of its own).
      string(APPEND hot_data "    ${pattern}(.data .data.*)\n")
      string(APPEND hot_bss "    ${pattern}(.bss .bss.*)\n")
    else()
      string(APPEND hot_rodata "    ${pattern}(.rodata .rodata.*)\n")
    endif()
  endforeach()
endforeach()
file(WRITE "${OUT}.tmp"
  "/* Generated from cmake/hot_objects.txt by cmake/HotLayout.cmake: do not edit. */\n"
  "SECTIONS\n{\n  .text.noshell_hot :\n  {\n${hot_text}  }\n}\nINSERT BEFORE .text;\n\n"
  "SECTIONS\n{\n  .rodata.noshell_hot :\n  {\n${hot_rodata}  }\n}\nINSERT BEFORE .rodata;\n\n"
  "SECTIONS\n{\n  .data.noshell_hot :\n  {\n${hot_data}  }\n}\nINSERT BEFORE .data;\n\n"
  "SECTIONS\n{\n  .bss.noshell_hot (NOLOAD) :\n  {\n${hot_bss}  }\n}\nINSERT AFTER .bss;\n")
file(RENAME "${OUT}.tmp" "${OUT}")
