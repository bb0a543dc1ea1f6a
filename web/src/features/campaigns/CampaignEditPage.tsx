import { Alert, Button } from '@mantine/core';
import { Link, useNavigate, useParams } from 'react-router';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { PageFrame } from '../../components/PageFrame';
import { CampaignForm, formValues, toBody } from './CampaignForm';
import { useCampaign, useUpdateCampaign } from './hooks';
import { EDITABLE } from './types';

export default function CampaignEditPage() {
  const id = Number(useParams().id);
  const campaign = useCampaign(id);
  const update = useUpdateCampaign(id);
  const navigate = useNavigate();
  if (campaign.isPending) return <LoadingState label="Loading the campaign" />;
  if (campaign.isError) return <ErrorState error={campaign.error} onRetry={() => campaign.refetch()} />;
  const c = campaign.data;
  return (
    <PageFrame title={`Edit “${c.title}”`} maxWidth={1400}>
      {!EDITABLE.has(c.status) ? (
        <Alert color="gray" variant="light" title="This campaign can no longer be edited">
          What an admin approved is what is sent.{' '}
          <Button component={Link} to={`/campaigns/${id}`} variant="subtle" size="compact-sm">
            Back to the campaign
          </Button>
        </Alert>
      ) : (
        <>
          {c.status !== 'draft' && (
            <Alert color="blue" variant="light">
              Saving changes returns the campaign to draft; submit it again for approval.
            </Alert>
          )}
          <CampaignForm
            key={c.version}
            initial={formValues(c)}
            submitLabel="Save changes"
            onCancel={() => navigate(`/campaigns/${id}`)}
            onSave={async (values, changed) => {
              if (changed.length > 0) await update.mutateAsync(toBody(values, changed));
              navigate(`/campaigns/${id}`);
            }}
          />
        </>
      )}
    </PageFrame>
  );
}
