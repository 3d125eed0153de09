// keisan: the library's version, as CMakeLists.txt's project(VERSION) states it (a test checks
// that the two agree). Checkpoints record it.
// SPDX-License-Identifier: MIT
#pragma once

#define KEISAN_VERSION_MAJOR 0
#define KEISAN_VERSION_MINOR 1
#define KEISAN_VERSION_PATCH 0
/// "major.minor.patch"
#define KEISAN_VERSION "0.1.0"
