#include "runtime/export/graph_dump.h"

#include <unistd.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "runtime/export/graph_file.h"
#include "runtime/export/graph_proto.h"
#include "runtime/export/graph_snapshot.h"
#include "runtime/export/graph_text.h"
#include "runtime/base/options.h"
#include "runtime/graph/validator.h"

namespace lockdep {

std::string ExpandDumpPath(absl::string_view path) {
  return ExpandPathOption(std::string(path));
}

graph::Graph CurrentGraph() { return BuildGraphProto(TakeGraphSnapshot()); }

// Dumps run inside the runtime (InValidator): the locks their symbolising,
// allocating and writing take are the runtime's own, never the program's
// (under the LD_PRELOAD build every pthread lock would otherwise be tracked).
absl::Status DumpGraph(absl::string_view path) {
  InValidator inside(CurrentThread());
  return WriteGraphFile(ExpandDumpPath(path), CurrentGraph());
}

absl::Status DumpText(absl::string_view path) {
  InValidator inside(CurrentThread());
  return WriteTextFile(ExpandDumpPath(path), GraphText(CurrentGraph()));
}

struct GraphRecorder::State {
  GraphSnapshot merged;
};

namespace {
std::atomic<GraphRecorder*> reset_recorder{nullptr};
}  // namespace

void RecordGraphBeforeReset() {
  InValidator inside(CurrentThread());
  if (GraphRecorder* r = reset_recorder.load(std::memory_order_acquire)) r->Record();
}

GraphRecorder::~GraphRecorder() {
  GraphRecorder* self = this;
  reset_recorder.compare_exchange_strong(self, nullptr);
  delete state_;
}

void GraphRecorder::RecordBeforeEachReset() {
  reset_recorder.store(this, std::memory_order_release);
}

void GraphRecorder::Record(bool wait_for_lock) {
  if (state_ == nullptr) state_ = new State;
  state_->merged.MergeFrom(TakeGraphSnapshot(wait_for_lock));
}

absl::Status GraphRecorder::Write(absl::string_view path, bool wait_for_lock) {
  Record(wait_for_lock);
  return WriteGraphFile(ExpandDumpPath(path), BuildGraphProto(state_->merged));
}

}  // namespace lockdep
