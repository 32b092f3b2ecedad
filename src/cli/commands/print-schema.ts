/** `linekeeper print-schema config|shop`: prints the JSON Schema of a configuration document. */
import { type Command, InvalidArgumentError } from 'commander';
import { DeviceConfigSchema } from '../../config/device-schema.js';
import { ShopProfileSchema } from '../../config/shop-schema.js';

const SCHEMAS = { config: DeviceConfigSchema, shop: ShopProfileSchema } as const;

/** Adds `print-schema` to the program. */
export function registerPrintSchema(program: Command): void {
  program
    .command('print-schema')
    .description('Print the JSON Schema of the device config or the shop profile.')
    .argument('<document>', 'config or shop', (value: string) => {
      if (value !== 'config' && value !== 'shop')
        throw new InvalidArgumentError('expected "config" or "shop".');
      return value;
    })
    .action((document: keyof typeof SCHEMAS) => {
      const schema = { $schema: 'http://json-schema.org/draft-07/schema#', ...SCHEMAS[document] };
      process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
    });
}
