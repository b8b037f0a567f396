// Step functions of unit_checkout: each asks the operator one kind of question, with a picture of what
// to look at. The step's timeout (5 min) is each prompt's timeout unless the prompt gives its own.
import type { StepContext } from '@station/sequence';

export async function insert_unit(ctx: StepContext): Promise<void> {
  const inserted = await ctx.prompt.confirm('Insert the unit into the fixture and close the lid. Done?', {
    image: 'assets/fixture.svg',
  });
  if (!inserted) throw new Error('the operator reports the unit is not inserted');
  await ctx.hardware.unit!.run('power_on');
}

export async function check_led(ctx: StepContext): Promise<void> {
  const colour = await ctx.prompt.choice('What colour is the POWER LED?', ['green', 'amber', 'red', 'off'], {
    image: 'assets/led.svg',
  });
  ctx.measure('led_colour', colour);
}

export async function scan_label(ctx: StepContext): Promise<{ serial: string }> {
  const serial = await ctx.prompt.text('Scan the serial label on the unit', {
    pattern: '[A-Z]{2}[0-9]{6}',
    image: 'assets/label.svg',
  });
  ctx.measure('label_serial', serial);
  return { serial };
}

export async function read_test_point(ctx: StepContext): Promise<void> {
  const nominal = ctx.params.rail_nominal as number;
  const volts = await ctx.prompt.number(`Read test point TP1 (${nominal} V rail) with the meter`, {
    min: 0,
    max: 10,
    unit: 'V',
    image: 'assets/test-point.svg',
  });
  ctx.measure('rail_voltage', volts);
}

export async function power_down(ctx: StepContext): Promise<void> {
  await ctx.hardware.unit?.run('power_off');
}
