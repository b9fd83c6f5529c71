# Third-party libraries. libpq, OpenSSL and hiredis are always linked from their static archives so the
# tests exercise exactly what ships; see ../shared/TOOLCHAIN.md and docs in README "Building".
find_package(Threads REQUIRED)
find_package(absl REQUIRED)
# Debian's absl CMake package points at the shared libraries; the static archives sit beside them.
# Use those everywhere, so what we test is what ships.
get_directory_property(_imported IMPORTED_TARGETS)
foreach(_t IN LISTS _imported)
  if(_t MATCHES "^absl::")
    get_target_property(_loc ${_t} IMPORTED_LOCATION_NONE)
    if(_loc AND _loc MATCHES "^(.*)\\.so(\\..*)?$")
      set(_archive "${CMAKE_MATCH_1}.a")
      if(EXISTS "${_archive}")
        set_target_properties(${_t} PROPERTIES IMPORTED_LOCATION_NONE "${_archive}" IMPORTED_SONAME_NONE "")
      endif()
    endif()
  endif()
endforeach()
if(NOSHELL_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()

set(OPENSSL_USE_STATIC_LIBS TRUE)
find_package(OpenSSL REQUIRED)

find_path(PQ_INCLUDE_DIR libpq-fe.h PATHS /usr/include/postgresql REQUIRED)
find_library(PQ_STATIC libpq.a REQUIRED)
# libpq's internal headers (libpq-dev) and the server headers they include (postgresql-server-dev-15),
# for common/pg_buffer.c only.
find_path(PQ_INTERNAL_INCLUDE_DIR libpq-int.h PATHS /usr/include/postgresql/internal REQUIRED)
find_path(PG_SERVER_INCLUDE_DIR common/fe_memutils.h PATHS /usr/include/postgresql/15/server REQUIRED)
find_library(PGCOMMON_STATIC libpgcommon_shlib.a PATHS /usr/lib/postgresql/15/lib REQUIRED)
find_library(PGPORT_STATIC libpgport_shlib.a PATHS /usr/lib/postgresql/15/lib REQUIRED)
find_library(HIREDIS_STATIC libhiredis.a REQUIRED)
# zlib (zlib1g-dev), for entrypoint's *.sql.gz init scripts.
find_library(Z_STATIC libz.a REQUIRED)
find_path(Z_INCLUDE_DIR zlib.h REQUIRED)
find_path(HIREDIS_INCLUDE_DIR hiredis/hiredis.h REQUIRED)

# libpq.a, in the link order it needs. Debian builds it with GSSAPI and LDAP, which have no static
# archives; common/static_stubs.c supplies stand-ins that always fail with a clear message.
add_library(noshell_libpq INTERFACE)
target_include_directories(noshell_libpq SYSTEM INTERFACE ${PQ_INCLUDE_DIR})
target_link_libraries(noshell_libpq INTERFACE
  ${PQ_STATIC} noshell_pq_stubs ${PGCOMMON_STATIC} ${PGPORT_STATIC} OpenSSL::SSL OpenSSL::Crypto
  Threads::Threads m)

# Our drop-ins for three libpgcommon/libpgport members (common/pg_*.c) must win even where only
# libpgcommon itself calls them: mark their symbols undefined up front, so the linker takes them
# from noshell_pq_stubs before it ever scans libpgcommon_shlib.a.
target_link_options(noshell_libpq INTERFACE
  "LINKER:-u,pg_cryptohash_create" "LINKER:-u,pg_hmac_create" "LINKER:-u,pg_strong_random")

add_library(noshell_hiredis INTERFACE)
target_include_directories(noshell_hiredis SYSTEM INTERFACE ${HIREDIS_INCLUDE_DIR})
target_link_libraries(noshell_hiredis INTERFACE ${HIREDIS_STATIC})

# spdlog and fmt are used header-only: Debian ships them as shared libraries only.
add_library(noshell_spdlog INTERFACE)
target_compile_definitions(noshell_spdlog INTERFACE SPDLOG_HEADER_ONLY FMT_HEADER_ONLY SPDLOG_FMT_EXTERNAL)
