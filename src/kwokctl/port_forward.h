// `kwokctl port-forward COMPONENT [LOCAL:]REMOTE`: forwards TCP connections
// from a local port on 127.0.0.1 to a component's port, as upstream does
// for components in containers. REMOTE is a port name of the component
// ("https", "http") or its number; LOCAL 0 (or left out with a number)
// picks a port.
#pragma once

#include <functional>
#include <string>

#include "core/error.h"
#include "kwokctl/cluster.h"
#include "kwokctl/interrupt.h"

namespace kwok::kwokctl {

struct ForwardSpec {
  int localPort = 0;
  int remotePort = 0;
};

// Resolves "[LOCAL:]REMOTE" against the component's ports.
Result<ForwardSpec> parseForward(const Component& component, const std::string& spec);

// Listens on 127.0.0.1:local and relays each connection to
// <host>:remote until `stop`. `ready` receives the port listened on.
Status forwardPort(const std::string& host, const ForwardSpec& spec, const StopToken& stop,
                   const std::function<void(int localPort)>& ready);

}  // namespace kwok::kwokctl
