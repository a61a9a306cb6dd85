// Addresses for Services: a cluster IP from the service range (10.96.0.0/12
// as kube-apiserver's default) and node ports from 30000-32767, unique
// among the stored Services, as kube-apiserver's allocators hand them out.
#pragma once

#include <mutex>

#include "core/error.h"
#include "core/ip.h"
#include "core/json.h"
#include "store/store.h"

namespace kwok::apiserver {

class ServiceAllocator {
 public:
  explicit ServiceAllocator(store::Store& store);

  // Fills spec.clusterIP(s), ipFamilies, ipFamilyPolicy and node ports of a
  // new Service, or checks the ones it asks for. Errors are 422 Invalid.
  Status allocate(json::object& service);

 private:
  store::Store& store_;
  Cidr range_;
  std::mutex mu_;  // one allocation at a time, so two creates never get the same address
};

}  // namespace kwok::apiserver
