// keisan tests: docs/errors.md stays true. Every message it lists must still be checked by the
// test file it names (the parts between <placeholders> appear there verbatim), and it lists at
// least 30 distinct messages.
// SPDX-License-Identifier: MIT
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/catch.hpp"

namespace {
std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A test source as the messages read: adjacent string literals joined ("ab" "cd" -> abcd), and
/// the doubled backslashes of CMake regular expressions dropped. (No <regex>: GCC 12 warns
/// inside it at -O1.)
std::string as_messages(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"') {  // a closing quote, whitespace, an opening quote: drop all three
      std::size_t j = i + 1;
      while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
      if (j > i + 1 && j < text.size() && text[j] == '"') {
        i = j;
        continue;
      }
    }
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '\\') {
      ++i;
      continue;
    }
    out += text[i];
  }
  return out;
}

/// The verbatim stretches of a documented message: the text between its <placeholders>, trimmed
/// of spaces and colons at the ends.
std::vector<std::string> verbatim_parts(const std::string& message) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '<' && message.find('>', i) != std::string::npos) {
      i = message.find('>', i);
      parts.emplace_back();
    } else {
      parts.back() += message[i];
    }
  }
  for (auto& p : parts) {
    const auto first = p.find_first_not_of(" :"), last = p.find_last_not_of(' ');
    p = first == std::string::npos ? "" : p.substr(first, last - first + 1);
  }
  return parts;
}

/// The text between the first pair of backticks in `cell`.
std::string in_backticks(const std::string& cell) {
  const auto a = cell.find('`'), b = cell.find('`', a + 1);
  return a == std::string::npos || b == std::string::npos ? "" : cell.substr(a + 1, b - a - 1);
}
}  // namespace

TEST_CASE("errors catalogue: docs/errors.md lists >= 30 messages, each checked by the test it names", "[docs]") {
  const std::string root = KEISAN_SOURCE_DIR;
  std::istringstream doc(read_text(root + "/docs/errors.md"));
  std::map<std::string, std::string> sources;  // test file -> its text, as_messages()
  std::set<std::string> messages;
  std::string line;
  while (std::getline(doc, line)) {
    if (line.rfind("| `", 0) != 0) continue;  // a catalogue row starts with its message
    std::vector<std::string> cells;
    std::istringstream row(line.substr(1));
    for (std::string cell; std::getline(row, cell, '|');) cells.push_back(cell);
    if (cells.size() != 4) continue;  // the table of exception types has 3 columns
    const std::string message = in_backticks(cells[0]), test = in_backticks(cells[3]);
    INFO("docs/errors.md: " << message << "  (tested in " << test << ")");
    REQUIRE(!message.empty());
    REQUIRE(test.rfind("tests/", 0) == 0);
    CHECK(messages.insert(message).second);  // listed once
    if (!sources.count(test)) sources[test] = as_messages(read_text(root + "/" + test));
    // Each verbatim stretch between placeholders (<file>, <n>, ...) must be in the test.
    for (const std::string& part : verbatim_parts(message)) {
      if (part.size() < 4) continue;
      INFO("missing from " << test << ": '" << part << "'");
      CHECK(sources[test].find(part) != std::string::npos);
    }
  }
  REQUIRE(messages.size() >= 30);
}
