import { Group, Pagination, Text } from '@mantine/core';

/** Under a paged list: how many there are in all ("3 users"), and the pages when there is more than one. */
export function ListFooter({ total, one, many, pages, page, onPage }: {
  total: number;
  one: string;
  many: string;
  pages: number;
  page: number;
  onPage: (page: number) => void;
}) {
  return (
    <Group justify="space-between" wrap="wrap">
      <Text size="sm" c="dimmed">
        {total} {total === 1 ? one : many}
      </Text>
      {pages > 1 && (
        <Pagination
          total={pages}
          value={page}
          onChange={onPage}
          getItemProps={(p) => ({ 'aria-label': `Page ${p}` })}
          getControlProps={(control) => ({ 'aria-label': `${control} page` })}
        />
      )}
    </Group>
  );
}
