// A device as far as the example subsystem cares: something with a name that
// buffers are attached to. An aggregate: `struct device gpu = {.name = "gpu"};`
#ifndef LOCKDEP_CORE_DEVICE_H_
#define LOCKDEP_CORE_DEVICE_H_

struct device {
  const char* name = {};
};

inline const char* dev_name(const struct device* dev) { return dev->name; }

#endif  // LOCKDEP_CORE_DEVICE_H_
