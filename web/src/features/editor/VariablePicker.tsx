import { Button, Menu } from '@mantine/core';
import { VARIABLES } from './types';

/** A menu of the template variables; choosing one inserts it where the cursor was. */
export function VariablePicker({ label, promotion, onPick }: { label: string; promotion: boolean; onPick: (text: string) => void }) {
  return (
    <Menu position="bottom-end" withinPortal shadow="md">
      <Menu.Target>
        <Button variant="default" size="compact-sm" leftSection={<span aria-hidden>{'{ }'}</span>}>
          {label}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        {VARIABLES.filter((v) => promotion || !('promotionOnly' in v)).map((v) => (
          <Menu.Item key={v.name} onClick={() => onPick(`{{${v.name}}}`)} rightSection={<code>{`{{${v.name}}}`}</code>}>
            {v.label}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
