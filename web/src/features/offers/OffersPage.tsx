import { Badge, Button, Card, Code, CopyButton, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Empty } from '../../components/Empty';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { PageFrame } from '../../components/PageFrame';
import { EmailPreference } from '../auth/EmailPreference';
import { useMe } from '../auth/hooks';
import { formatTime } from '../campaigns/dates';
import { useOffers } from './hooks';

function PromoCode({ code }: { code: string }) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Code fz="md" fw={700} aria-label="Promo code">
        {code}
      </Code>
      <CopyButton value={code} timeout={2000}>
        {({ copied, copy }) => (
          <Button size="compact-sm" variant={copied ? 'filled' : 'light'} color={copied ? 'teal.9' : 'blue'} onClick={copy} aria-label={copied ? `Copied ${code}` : `Copy code ${code}`}>
            {copied ? 'Copied' : 'Copy code'}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}

export default function OffersPage() {
  const offers = useOffers();
  const me = useMe();
  return (
    <PageFrame title="Your offers">
      <Paper withBorder p="md">
        {me.data ? <EmailPreference user={me.data} /> : me.isError ? <ErrorState error={me.error} /> : <LoadingState label="Loading your preference" />}
      </Paper>
      {offers.isPending && <LoadingState label="Loading offers" />}
      {offers.isError && <ErrorState error={offers.error} onRetry={() => offers.refetch()} />}
      {offers.data && offers.data.length === 0 && <Empty title="No offers right now" description="New offers appear here as soon as they start." />}
      {offers.data && offers.data.length > 0 && (
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" component="ul" p={0} m={0} style={{ listStyle: 'none' }} aria-label="Current offers">
          {offers.data.map((o) => (
            <Card key={o.id} withBorder component="li" padding="lg">
              <Stack gap="xs">
                <Group justify="space-between" align="flex-start" wrap="nowrap">
                  <Title order={2} size="h4" style={{ overflowWrap: 'anywhere' }}>
                    {o.title}
                  </Title>
                  <Badge variant="light" style={{ flexShrink: 0 }}>
                    {o.type === 'promotion' ? 'Promotion' : 'News'}
                  </Badge>
                </Group>
                {o.description && <Text size="sm">{o.description}</Text>}
                {o.promo_code && <PromoCode code={o.promo_code} />}
                <Text size="sm" c="dimmed">
                  {o.end_time ? `Ends ${formatTime(o.end_time)}` : 'No end date'}
                </Text>
              </Stack>
            </Card>
          ))}
        </SimpleGrid>
      )}
    </PageFrame>
  );
}
