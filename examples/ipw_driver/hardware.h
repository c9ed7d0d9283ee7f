// The simulated wireless NIC the ipw driver example drives: a firmware thread
// that executes host commands, transmits frames, receives beacons, and raises
// its interrupt line.
//
// This is the *device*, not driver code: it synchronises with std::mutex and
// std::condition_variable, which lockdep does not see, the way real hardware
// is invisible to the kernel's lockdep. Everything the driver does to it is a
// register write or read (one short critical section here), so the driver's
// own lock graph is what lockdep checks.
#ifndef LOCKDEP_EXAMPLES_IPW_DRIVER_HARDWARE_H_
#define LOCKDEP_EXAMPLES_IPW_DRIVER_HARDWARE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

namespace ipw {

// Bits of the interrupt status register (ipw2200's IPW_INTA_BIT_*).
inline constexpr uint32_t kIntaRx = 1u << 0;       // frames in the RX queue
inline constexpr uint32_t kIntaTxDone = 1u << 1;   // TX frames sent
inline constexpr uint32_t kIntaCmdDone = 1u << 2;  // host command answered

struct HostCommand {
  int id;  // sequence number, echoed in the response
  int opcode;
};

struct Response {
  int id;
  int value;
};

// A received frame; beacons announce a network.
struct RxFrame {
  bool beacon;
  int network_id;  // 0..kNetworkIds-1
  int rssi;
};
inline constexpr int kNetworkIds = 16;

class Hardware {
 public:
  Hardware() = default;
  Hardware(const Hardware&) = delete;
  Hardware& operator=(const Hardware&) = delete;
  ~Hardware() { Stop(); }

  // Starts / stops the firmware thread. Stop() also releases a thread waiting
  // in WaitForInterrupt().
  void Start();
  void Stop();

  // Doorbells: the driver hands the device a command or a TX frame.
  void PostCommand(const HostCommand& cmd);
  void PostTx();

  // The interrupt line: blocks until an unmasked interrupt is pending (true)
  // or the device stops (false). Called by the irq thread outside irq context.
  bool WaitForInterrupt();
  // The ISR's register accesses: read and acknowledge the pending bits, and
  // mask / unmask the line (ipw2200 masks in the ISR, unmasks after the
  // tasklet).
  uint32_t ReadAndAckInta();
  void MaskInterrupts();
  void UnmaskInterrupts();

  // The device's DMA queues, drained by the tasklet.
  bool PopResponse(Response* r);
  bool PopRx(RxFrame* f);
  // TX frames sent since the last call.
  int TakeTxDone();

 private:
  void Firmware();
  void RaiseLocked(uint32_t bits);

  std::mutex mu_;
  std::condition_variable work_cv_;  // firmware waits for doorbells
  std::condition_variable irq_cv_;   // the irq thread waits for the line
  bool stopping_ = false;
  bool masked_ = false;
  uint32_t inta_ = 0;
  std::deque<HostCommand> commands_;
  int tx_queued_ = 0;
  int tx_done_ = 0;
  std::deque<Response> responses_;
  std::deque<RxFrame> rx_;
  unsigned beacon_seed_ = 1;
  std::thread firmware_;
};

}  // namespace ipw

#endif  // LOCKDEP_EXAMPLES_IPW_DRIVER_HARDWARE_H_
