// sim_unit: the unit under test, simulated: it can be powered on and off and says whether it is.
import type { Driver, DriverDefinition } from '@station/sequence';

const definition: DriverDefinition = {
  description: 'Simulated unit under test (power on/off)',
  create(): Driver {
    let connected = false;
    let powered = false;
    const power = (on: boolean) => {
      if (!connected) throw new Error('unit not connected');
      powered = on;
      return { powered };
    };
    return {
      connect() {
        connected = true;
      },
      disconnect() {
        connected = false;
      },
      safeState() {
        powered = false;
      },
      commands: {
        power_on: { description: 'Power the unit on', params: {}, run: () => power(true) },
        power_off: { description: 'Power the unit off', params: {}, run: () => power(false) },
        status: { description: 'Whether the unit is powered', params: {}, run: () => ({ powered }) },
      },
    };
  },
};

export default definition;
