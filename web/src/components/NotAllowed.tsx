import { Button } from '@mantine/core';
import { Link } from 'react-router';
import { Empty } from './Empty';
import { PageFrame } from './PageFrame';

/** Shown for a route the signed-in role may not open; no data of it is loaded. */
export function NotAllowed() {
  return (
    <PageFrame title="Not allowed">
      <Empty
        title="Your role does not allow this page"
        description="Ask an administrator if you need access."
        action={
          <Button component={Link} to="/">
            Go to your start page
          </Button>
        }
      />
    </PageFrame>
  );
}
