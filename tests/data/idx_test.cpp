// keisan tests: the IDX reader (raw and gzip) and the MNIST loader, good and malformed files.
// SPDX-License-Identifier: MIT
#include <sys/stat.h>
#include <zlib.h>

#include <filesystem>
#include <keisan/data/mnist.hpp>

#include "support/catch.hpp"
#include "support/temp_dir.hpp"

using keisan::FormatError;
using keisan::test::TempDir;
using keisan::test::write_bytes;
using Bytes = std::vector<std::uint8_t>;

namespace {

/// An IDX file: magic 0 0 type ndims, big-endian dims, then `data`.
Bytes idx(std::vector<std::uint32_t> dims, const Bytes& data, std::uint8_t type = 0x08) {
  Bytes b{0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (auto d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(d >> s));
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

Bytes gzip(const Bytes& raw) {
  uLongf cap = compressBound(static_cast<uLong>(raw.size())) + 32;
  Bytes out(cap);
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = const_cast<Bytef*>(raw.data());
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(cap);
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Bytes iota_bytes(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i % 251);
  return b;
}

/// The FormatError message of reading `bytes` (written raw, or gzipped if `gz`) with `ndims`.
std::string idx_error(const Bytes& bytes, int ndims, bool gz = false) {
  TempDir dir;
  const std::string path = dir.file(gz ? "f.gz" : "f");
  write_bytes(path, gz ? gzip(bytes) : bytes);
  try {
    (void)keisan::read_idx_any(path, ndims);
  } catch (const FormatError& e) {
    std::string msg = e.what();
    return msg.substr(msg.find(": ", 8) + 2);  // drop "keisan: <path>: "
  }
  return "no error";
}

}  // namespace

TEST_CASE("IDX: round trip of generated files, raw and gzip", "[data]") {
  TempDir dir;
  const Bytes data = iota_bytes(2 * 3 * 4);
  write_bytes(dir.file("raw"), idx({2, 3, 4}, data));
  write_bytes(dir.file("packed.gz"), gzip(idx({2, 3, 4}, data)));
  for (const auto& path : {dir.file("raw"), dir.file("packed.gz")}) {
    const keisan::IdxArray a = keisan::read_idx_any(path, 3);
    REQUIRE(a.dims == std::vector<std::size_t>{2, 3, 4});
    REQUIRE(a.data == data);
  }
  REQUIRE(keisan::read_idx(dir.file("raw"), 3).data == data);
  REQUIRE_THROWS_WITH(keisan::read_idx(dir.file("packed.gz"), 3),
                      Catch::Contains("is gzip-compressed; use read_idx_any()"));
}

TEST_CASE("IDX: every malformed file gets its own FormatError, raw and gzip alike", "[data]") {
  for (bool gz : {false, true}) {
    INFO((gz ? "gzip" : "raw"));
    REQUIRE(idx_error({0, 0}, 1, gz) == "truncated header (2 bytes; an IDX header needs at least 4)");
    REQUIRE(idx_error({1, 0, 8, 1, 0, 0, 0, 0}, 1, gz) ==
            "wrong magic number (first two bytes must be 0; is this an IDX file?)");
    REQUIRE(idx_error(idx({2}, {1, 2}, 0x0d), 1, gz) ==
            "unsupported data type 0x0d (only unsigned bytes, 0x08, are supported)");
    REQUIRE(idx_error(idx({2, 1}, {1, 2}), 1, gz) == "has 2 dimensions, expected 1");
    REQUIRE(idx_error(idx({5}, {1, 2, 3}), 1, gz) == "truncated: the header promises 5 bytes of data, the file has 3");
    REQUIRE(idx_error(idx({2}, {1, 2, 3}), 1, gz) == "trailing garbage: 1 bytes after the data");
  }
  // Dimensions far beyond the file: refused before anything that size is allocated, and a
  // product that would overflow 64 bits saturates instead of wrapping round to something small.
  REQUIRE(idx_error(idx({65536, 65536, 65536}, {1}), 3) ==
          "truncated: the header promises 281474976710656 bytes of data, the file has 1");
  REQUIRE(idx_error(idx({0xffffffffu, 0xffffffffu, 0xffffffffu}, {1}), 3) ==
          "truncated: the header promises more than 2^64 bytes of data, the file has 1");
  REQUIRE_THAT(idx_error(idx({65536, 65536, 65536}, {1}), 3, true),
               Catch::StartsWith("dimensions promise 281474976710656 bytes, more than a ") &&
                   Catch::EndsWith("-byte gzip file can hold"));
  REQUIRE_THAT(idx_error(idx({0xffffffffu, 0xffffffffu, 0xffffffffu}, {1}), 3, true),
               Catch::Contains("dimensions promise more than 2^64 bytes, more than a"));
  REQUIRE(idx_error(idx({2}, {1, 2, 3, 4, 5, 6}), 1, true) ==
          "trailing garbage: the stream holds more than the header promises");
  Bytes header_cut = idx({4}, {1, 2, 3, 4});
  header_cut.resize(6);
  REQUIRE(idx_error(header_cut, 1) == "truncated header (6 of 8 bytes)");
  Bytes corrupt = gzip(idx({100}, iota_bytes(100)));
  corrupt[corrupt.size() / 2] ^= 0xff;
  corrupt[corrupt.size() / 2 + 1] ^= 0xff;
  TempDir dir;
  write_bytes(dir.file("c.gz"), corrupt);
  REQUIRE_THROWS_WITH(keisan::read_idx_any(dir.file("c.gz"), 1),
                      Catch::StartsWith("keisan: " + dir.file("c.gz") + ": corrupt gzip stream"));
  Bytes cut = gzip(idx({100}, iota_bytes(100)));
  cut.resize(cut.size() / 2);
  write_bytes(dir.file("cut.gz"), cut);
  REQUIRE_THROWS_WITH(keisan::read_idx_any(dir.file("cut.gz"), 1),
                      "keisan: " + dir.file("cut.gz") + ": truncated gzip stream");
  REQUIRE_THROWS_WITH(keisan::read_idx_any(dir.file("missing"), 1),
                      "keisan: " + dir.file("missing") + ": cannot open file");
}

TEST_CASE("MNIST: images and labels that disagree, labels above 9, missing files", "[data]") {
  TempDir dir;
  write_bytes(dir.file("img"), idx({3, 2, 2}, iota_bytes(12)));
  write_bytes(dir.file("lab"), idx({2}, {1, 2}));
  REQUIRE_THROWS_WITH(keisan::load_mnist_pair<float>(dir.file("img"), dir.file("lab")),
                      "keisan: " + dir.file("img") + " has 3 images but " + dir.file("lab") + " has 2 labels");
  write_bytes(dir.file("lab"), idx({3}, {1, 12, 2}));
  REQUIRE_THROWS_WITH(keisan::load_mnist_pair<float>(dir.file("img"), dir.file("lab")),
                      "keisan: " + dir.file("lab") + ": label 12 at index 1 is not a digit (0-9)");
  write_bytes(dir.file("lab"), idx({3}, {1, 9, 0}));
  const auto d = keisan::load_mnist_pair<double>(dir.file("img"), dir.file("lab"));
  REQUIRE(d.size() == 3);
  REQUIRE(d.num_features() == 4);
  REQUIRE(d.features()(2, 3) == Catch::Approx(11.0 / 255));
  REQUIRE_THROWS_WITH(keisan::load_mnist<float>(dir.path().string()),
                      "keisan: " + dir.path().string() +
                          ": no train-images-idx3-ubyte (nor train-images-idx3-ubyte.gz) in this directory");
}

TEST_CASE("IDX: a directory, a FIFO or a device where a file should be is refused by name", "[data]") {
  TempDir dir;
  std::filesystem::create_directory(dir.file("train-images-idx3-ubyte"));
  for (const char* other : {"train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    write_bytes(dir.file(other), {});  // load_mnist finds all four before it reads the first
  // A directory "opens" as a stream whose size reads as ~2^63: it used to end in std::bad_alloc.
  REQUIRE_THROWS_WITH(keisan::read_idx_any(dir.file("train-images-idx3-ubyte"), 3),
                      "keisan: " + dir.file("train-images-idx3-ubyte") + ": is a directory, not a file");
  REQUIRE_THROWS_WITH(keisan::load_mnist<float>(dir.path().string()),
                      "keisan: " + dir.file("train-images-idx3-ubyte") + ": is a directory, not a file");
  // Opening a FIFO blocks until someone writes to it: it used to hang.
  REQUIRE(mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  REQUIRE_THROWS_WITH(keisan::read_idx(dir.file("fifo"), 1),
                      "keisan: " + dir.file("fifo") + ": is not a regular file (a FIFO, device or socket)");
  REQUIRE_THROWS_WITH(keisan::read_idx_any("/dev/zero", 1),
                      "keisan: /dev/zero: is not a regular file (a FIFO, device or socket)");
  // load_mnist looks for its files without opening them, so a FIFO named like one is refused too.
  TempDir fifos;
  REQUIRE(mkfifo(fifos.file("train-images-idx3-ubyte").c_str(), 0600) == 0);
  for (const char* other : {"train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    write_bytes(fifos.file(other), {});
  REQUIRE_THROWS_WITH(
      keisan::load_mnist<float>(fifos.path().string()),
      "keisan: " + fifos.file("train-images-idx3-ubyte") + ": is not a regular file (a FIFO, device or socket)");
}

TEST_CASE("MNIST: the bundled subset loads, scaled to [0, 1]", "[data]") {
  const auto mnist = keisan::load_mnist<float>(KEISAN_MNIST_SUBSET_DIR);
  REQUIRE(mnist.train.size() == 5000);
  REQUIRE(mnist.test.size() == 1000);
  REQUIRE(mnist.train.num_features() == 784);
  REQUIRE(mnist.train.features().minCoeff() == 0.0f);
  REQUIRE(mnist.train.features().maxCoeff() == 1.0f);
  REQUIRE(mnist.train.labels()[0] == 5);  // MNIST's first training image is a 5
  REQUIRE(mnist.test.labels()[0] == 7);   // and its first test image a 7
  // Kept as bytes, the same images read as the same floats, bit for bit.
  const auto bytes = keisan::load_mnist<float, std::uint8_t>(KEISAN_MNIST_SUBSET_DIR);
  REQUIRE(bytes.train.scale() == 1.0f / 255);
  REQUIRE(bytes.train.labels() == mnist.train.labels());
  REQUIRE(bytes.test.labels() == mnist.test.labels());
  keisan::Matrix<float> train, test;
  bytes.train.read_rows(0, bytes.train.size(), train);
  bytes.test.read_rows(0, bytes.test.size(), test);
  REQUIRE(train == mnist.train.features());
  REQUIRE(test == mnist.test.features());
  REQUIRE(bytes.train.features().cast<int>().maxCoeff() == 255);
}
