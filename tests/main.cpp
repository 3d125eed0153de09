// keisan tests: the runner's main, nothing else.
// SPDX-License-Identifier: MIT
#define CATCH_CONFIG_RUNNER
#include "support/catch.hpp"

int main(int argc, char* argv[]) {
  return Catch::Session().run(argc, argv);
}
