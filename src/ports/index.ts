export { hostPortsOf, isLocalHost, type HostPorts } from './host-ports.js';
export { formatRanges, rangesOverlap, toRanges, type PortRange } from './port-ranges.js';
export { allUdpPortsInUse, udpPortsInUse } from './ports-in-use.js';
export { defaultReservationDir, reservePorts, type PortReservation } from './port-reservations.js';
export { checkSourcePortsFree } from './check-source-ports.js';
