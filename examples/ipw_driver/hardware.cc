#include "examples/ipw_driver/hardware.h"

#include <chrono>

namespace ipw {

namespace {

// The firmware wakes at least this often to "receive" a beacon.
constexpr std::chrono::microseconds kBeaconInterval{500};
// RX frames are dropped beyond this backlog, as a full RX ring drops them.
constexpr size_t kMaxRxBacklog = 64;

}  // namespace

void Hardware::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = false;
  firmware_ = std::thread([this] { Firmware(); });
}

void Hardware::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  irq_cv_.notify_all();
  if (firmware_.joinable()) firmware_.join();
}

void Hardware::PostCommand(const HostCommand& cmd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    commands_.push_back(cmd);
  }
  work_cv_.notify_one();
}

void Hardware::PostTx() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++tx_queued_;
  }
  work_cv_.notify_one();
}

bool Hardware::WaitForInterrupt() {
  std::unique_lock<std::mutex> lock(mu_);
  irq_cv_.wait(lock, [this] { return stopping_ || (inta_ != 0 && !masked_); });
  return !stopping_;
}

uint32_t Hardware::ReadAndAckInta() {
  std::lock_guard<std::mutex> lock(mu_);
  const uint32_t bits = inta_;
  inta_ = 0;
  return bits;
}

void Hardware::MaskInterrupts() {
  std::lock_guard<std::mutex> lock(mu_);
  masked_ = true;
}

void Hardware::UnmaskInterrupts() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    masked_ = false;
  }
  irq_cv_.notify_one();
}

bool Hardware::PopResponse(Response* r) {
  std::lock_guard<std::mutex> lock(mu_);
  if (responses_.empty()) return false;
  *r = responses_.front();
  responses_.pop_front();
  return true;
}

bool Hardware::PopRx(RxFrame* f) {
  std::lock_guard<std::mutex> lock(mu_);
  if (rx_.empty()) return false;
  *f = rx_.front();
  rx_.pop_front();
  return true;
}

int Hardware::TakeTxDone() {
  std::lock_guard<std::mutex> lock(mu_);
  const int n = tx_done_;
  tx_done_ = 0;
  return n;
}

void Hardware::RaiseLocked(uint32_t bits) {
  inta_ |= bits;
  if (!masked_) irq_cv_.notify_one();
}

// Executes everything posted, then "receives" a beacon; sleeps until the next
// doorbell or beacon interval.
void Hardware::Firmware() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    uint32_t raise = 0;
    while (!commands_.empty()) {
      const HostCommand cmd = commands_.front();
      commands_.pop_front();
      responses_.push_back({cmd.id, cmd.opcode * 10});
      raise |= kIntaCmdDone;
    }
    if (tx_queued_ != 0) {
      tx_done_ += tx_queued_;
      tx_queued_ = 0;
      raise |= kIntaTxDone;
    }
    if (rx_.size() < kMaxRxBacklog) {
      beacon_seed_ = beacon_seed_ * 1103515245u + 12345u;
      const int network = static_cast<int>((beacon_seed_ >> 16) % kNetworkIds);
      rx_.push_back({true, network, -40 - network});
      raise |= kIntaRx;
    }
    RaiseLocked(raise);
    work_cv_.wait_for(lock, kBeaconInterval, [this] {
      return stopping_ || !commands_.empty() || tx_queued_ != 0;
    });
  }
}

}  // namespace ipw
