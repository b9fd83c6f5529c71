// tests/gzip_for_tests.h — gzip bytes (one member, as `gzip` writes) for tests of *.sql.gz files.
#ifndef NOSHELL_TESTS_GZIP_FOR_TESTS_H_
#define NOSHELL_TESTS_GZIP_FOR_TESTS_H_

#include <zlib.h>

#include <string>

namespace noshell {

inline std::string GzipForTests(const std::string& data) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return "";
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(&out[0]);
  z.avail_out = static_cast<uInt>(out.size());
  const bool done = deflate(&z, Z_FINISH) == Z_STREAM_END;
  out.resize(done ? z.total_out : 0);
  deflateEnd(&z);
  return out;
}

}  // namespace noshell

#endif  // NOSHELL_TESTS_GZIP_FOR_TESTS_H_
