// vault: a package-local driver whose only command fails with its password in the message.
import type { Driver, DriverDefinition } from '@station/sequence';

const definition: DriverDefinition = {
  description: 'Fails every command, naming its password',
  options: { password: { type: 'string', default: '', description: 'what it fails with' } },
  create(options): Driver {
    return {
      connect() {},
      disconnect() {},
      commands: {
        open: {
          description: 'Fails with the password',
          params: {},
          run() {
            throw new Error(`vault refused password ${String(options.password)}`);
          },
        },
      },
    };
  },
};

export default definition;
