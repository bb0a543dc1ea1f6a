import { Button } from '@mantine/core';
import { Link } from 'react-router';
import { Empty } from './Empty';
import { PageFrame } from './PageFrame';

/** An address the app does not know. */
export function NotFound() {
  return (
    <PageFrame title="Page not found">
      <Empty
        title="There is no page at this address"
        action={
          <Button component={Link} to="/">
            Go to your start page
          </Button>
        }
      />
    </PageFrame>
  );
}
