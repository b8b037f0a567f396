// Reads the serial from the unit when asked to, as a fixture with a label reader would.
import type { StepContext } from '@station/sequence';

export async function identify(ctx: StepContext): Promise<void> {
  if (ctx.params.read) ctx.dut.setSerial('SN-1234');
  ctx.log.info(`unit ${ctx.dut.serialNumber ?? 'unknown'}`);
}
