// keisan MNIST example: what a run writes into its files and checks when it reads them back —
// the flags that shape the model and the training (metadata of every --save), --load's and
// --resume's checks against this run's flags, and the Ctrl-C flag.
// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <string>

#include "config.hpp"

namespace mnist_example {

/// The flags a file records, each under its flag's name: the model's ("model", "batchnorm", and
/// for the MLP "hidden", "activation", "dropout") and the training's ("weight-decay", "optimizer",
/// "lr", "batch", "accumulate", "sampler", "train-limit", "seed"). "accumulate" is the number of
/// micro-batches per step, --accumulate times the processes, so that `mpirun -np 2` and one
/// process with --accumulate 2 write the same file.
std::map<std::string, std::string> run_metadata(const Config& c);

/// Throws std::invalid_argument naming `flag`, `path` and every difference when the file's
/// recorded flags differ from this run's: the model's for --load (`training` false), the model's
/// and the training's for --resume. A file without keisan's metadata passes (shapes are still
/// checked when it loads); a file from before a flag existed counts as written without it.
void check_recorded_flags(const std::map<std::string, std::string>& recorded, const Config& c, const std::string& flag,
                          const std::string& path, bool training);

/// Installs the SIGINT handler (first Ctrl-C: finish the step, save, exit 130; a second one ends
/// the program at once), and the same for SIGUSR1, which mpirun forwards to every rank (it ends
/// the job itself on SIGINT).
void catch_interrupt();
/// Whether Ctrl-C was pressed since catch_interrupt(), asked after training step `step` (counted
/// over the whole run). For tests: KEISAN_MNIST_SIGINT_AFTER_STEP=N in the environment raises
/// SIGINT in the process itself after step N, so the real handler runs at a known step however
/// fast the machine is (a signal sent from outside can arrive after the last epoch).
bool interrupted(long long step);

/// For tests of the error path of data-parallel runs: KEISAN_MNIST_FAIL_AFTER_STEP=RANK:STEP in
/// the environment makes process RANK throw after training step STEP. Throws
/// std::invalid_argument when the variable is not RANK:STEP.
void check_failure_hook(long long step, int rank);

/// The command that resumes from `path`: this run's arguments without --resume, plus --resume path.
std::string resume_command(const Config& c, const std::string& path);

}  // namespace mnist_example
