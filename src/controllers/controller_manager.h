// Runs a selection of controllers, started in the order they are known and
// stopped in reverse.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "controllers/controller.h"

namespace kwok::controllers {

// Every controller this binary carries, in start order.
std::vector<ControllerDescriptor> builtinControllers();

// Resolves --controllers as kube-controller-manager does: "*" selects the
// controllers enabled by default, "name" selects one, "-name" deselects one
// (winning over "*"). Returns the selected names in `known` order; an
// unknown name is a 400 error ("\"x\" is not in the list of known
// controllers").
Result<std::vector<std::string>> selectControllers(const std::vector<std::string>& flags,
                                                   const std::vector<ControllerDescriptor>& known);

class ControllerManager {
 public:
  explicit ControllerManager(ControllerContext context, std::vector<ControllerDescriptor> known = builtinControllers());
  ~ControllerManager();
  ControllerManager(const ControllerManager&) = delete;
  ControllerManager& operator=(const ControllerManager&) = delete;

  // Selects (see selectControllers) and starts controllers. On an error
  // the ones already started are stopped again.
  Status start(const std::vector<std::string>& flags);
  // Stops the running controllers, last started first. Idempotent.
  void stop();

  // Names of the running controllers, in start order.
  std::vector<std::string> running() const;

 private:
  ControllerContext context_;
  std::vector<ControllerDescriptor> known_;
  std::vector<std::pair<std::string, std::unique_ptr<Controller>>> running_;
};

}  // namespace kwok::controllers
